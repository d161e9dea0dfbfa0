package dev.statesync.examples.desktop;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.apply.DispatchedApplier;
import dev.statesync.core.apply.StateHolder;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.SettingsClient;
import dev.statesync.relay.HttpRevisionSync;
import dev.statesync.relay.HttpRevisionSyncOptions;
import dev.statesync.relay.MirrorOptions;
import dev.statesync.relay.SourceOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import java.awt.GraphicsEnvironment;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.swing.JFrame;
import javax.swing.SwingUtilities;
import javax.swing.WindowConstants;

/**
 * The statesync wiring of one desktop process: one handle for the whole process
 * ({@code createHttpRevisionSync}: SSE invalidations, HTTP snapshots, coordinated with the app's
 * other processes on this host, so only one of them holds the SSE connection and reads each
 * change) whose applier is a
 * {@link StateHolder} run on the event dispatch thread by {@link DispatchedApplier}; every window
 * of the process listens to that holder. The process that produces the live stream owns the
 * {@link StreamSource} and shows its own state; the others show a {@link StreamMirror}.
 *
 * <p>Windows are {@link JFrame}s when a display exists and {@code frames} is true; otherwise the
 * same panels are built without a frame, which is what headless tests exercise.
 */
final class DesktopProcess implements AutoCloseable {
  static final String STREAM_CHANNEL = "desktop-stream";
  static final String STREAM_TEXT = "Every window shows this text as it is produced, "
      + "word by word, in this process and in the other one";
  /** The windows' size and the gap between them, for a predictable screenshot. */
  static final int WIDTH = 400;
  static final int HEIGHT = 380;
  static final int GAP = 10;

  private final String name;
  private final StateHolder<Settings> settings = StateHolder.create();
  private final SettingsClient client;
  private final RevisionSyncHandle<Settings> sync;
  private final List<SettingsPanel> panels = new ArrayList<>();
  private final List<JFrame> frames = new ArrayList<>();
  private final AtomicReference<CompletableFuture<SnapshotEnvelope<Settings>>> lastWrite =
      new AtomicReference<>(CompletableFuture.completedFuture(null));
  private final ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "producer");
        t.setDaemon(true);
        return t;
      });
  private final CountDownLatch framesOpen;
  private final CompletableFuture<StreamState> streamEnded = new CompletableFuture<>();
  private final StreamSource source;
  private final StreamMirror mirror;

  /**
   * Opens the process's handle and stream, then its windows.
   *
   * @param name the process name, used as the handle's {@code sourceId}
   * @param coordinationChannel the host channel on which the app's processes coordinate the
   *     settings (one per run, since a JVM keeps one coordinator per channel name)
   * @param titles one window per title
   * @param produces whether this process owns the stream's source (else it mirrors it); its
   *     first window gets the Generate button
   * @param firstWindowX the x position of the first frame on screen
   */
  DesktopProcess(String name, URI settingsUri, URI eventsUri, ChannelOptions channel,
      String coordinationChannel, List<String> titles, boolean produces, boolean withFrames, int firstWindowX) {
    this.name = name;
    this.client = new SettingsClient(settingsUri, name);
    sync = HttpRevisionSync.createHttpRevisionSync(HttpRevisionSyncOptions.<Settings>builder()
        .topic(SettingsBackend.TOPIC)
        .sseUri(eventsUri)
        .snapshotUri(settingsUri)
        .dataType(Settings.class)
        // The holder, and through it every window, is updated on the event dispatch thread.
        .applier(DispatchedApplier.on(SwingUtilities::invokeLater, settings.applier()))
        // safe: every write of this process offers its response
        .engineOptions(e -> e.sourceId(name).ignoreOwnEvents(true))
        // The app's processes on this host share one SSE connection and one GET per change:
        // the elected one holds them and hands each snapshot to the others.
        .hostCoordination(HostCoordinationOptions.builder()
            .channelName(coordinationChannel)
            .channelOptions(channel)
            .electionOptions(channel.runtimeDir()
                .map(dir -> ElectionOptions.builder().runtimeDir(dir).build())
                .orElse(ElectionOptions.defaults()))
            .build())
        .build());
    onEdt(() -> {
      for (String title : titles) {
        // Generate belongs to the first window of the producing process only.
        panels.add(new SettingsPanel(title, this::write,
            produces && panels.isEmpty() ? this::generate : null));
      }
      return null;
    });
    settings.addListener(snapshot -> panels.forEach(p -> p.show(snapshot)));
    if (produces) {
      source = new StreamSource(SourceOptions.builder().sourceId(name).build());
      source.broadcast(STREAM_CHANNEL, channel);
      source.onChange(this::showStream);
      mirror = null;
    } else {
      mirror = new StreamMirror(STREAM_CHANNEL,
          MirrorOptions.builder().channelOptions(channel).build());
      mirror.onChange(this::showStream);
      source = null;
    }
    boolean showFrames = withFrames && !GraphicsEnvironment.isHeadless();
    framesOpen = new CountDownLatch(showFrames ? titles.size() : 0);
    if (showFrames) {
      onEdt(() -> {
        int x = firstWindowX;
        for (int i = 0; i < panels.size(); i++) {
          SettingsPanel p = panels.get(i);
          JFrame f = new JFrame(titles.get(i));
          f.setDefaultCloseOperation(WindowConstants.DISPOSE_ON_CLOSE);
          f.setContentPane(p);
          f.setBounds(x, GAP, WIDTH, HEIGHT);
          f.addWindowListener(new WindowAdapter() {
            @Override
            public void windowClosed(WindowEvent e) {
              framesOpen.countDown();
            }
          });
          f.setVisible(true);
          frames.add(f);
          x += WIDTH + GAP;
        }
        return null;
      });
    }
  }

  /** Subscribes and fetches; completes when the first snapshot is shown. */
  void start() {
    sync.start().join();
  }

  /** The panels, in title order. */
  List<SettingsPanel> panels() {
    return panels;
  }

  /** Whether this process shows its windows in frames on a display. */
  boolean hasFrames() {
    return !frames.isEmpty();
  }

  /** Waits until the user closed every frame of this process (at once if there are none). */
  void awaitFramesClosed() {
    try {
      framesOpen.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits for the last write started from a window and returns its response. After a failure,
   * the windows' update showing it is already queued on the event dispatch thread.
   *
   * @throws IllegalStateException if it failed or did not complete within {@code timeout}
   */
  SnapshotEnvelope<Settings> awaitLastWrite(Duration timeout) {
    try {
      return lastWrite.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(name + ": the write did not complete within "
          + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      throw new IllegalStateException(name + ": the write failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Posts {@code value} to the backend off the event dispatch thread and offers the write
   * response, so the windows show the change at once and its echo costs no fetch. A rejected
   * write is shown in the windows and changes nothing.
   */
  private void write(Settings value) {
    CompletableFuture<SnapshotEnvelope<Settings>> w = client.write(value)
        .thenCompose(response -> sync.offer(response, ApplyOrigin.OFFER).toCompletableFuture()
            .thenApply(ignored -> response));
    // lastWrite completes after a failure was queued to the dispatch thread.
    lastWrite.set(w.whenComplete((ok, error) -> {
      if (error != null) {
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        SwingUtilities.invokeLater(() -> panels.forEach(p -> p.showError(String.valueOf(cause))));
      }
    }));
  }

  /** Produces {@link #STREAM_TEXT} word by word, as a model answering a prompt would. */
  private void generate() {
    source.start();
    String[] words = STREAM_TEXT.split(" ");
    for (int i = 0; i < words.length; i++) {
      String chunk = (i == 0 ? "" : " ") + words[i];
      boolean last = i == words.length - 1;
      // The pace of production (a word every 40 ms), not synchronisation.
      producer.schedule(() -> {
        source.append(chunk);
        if (last) {
          source.complete();
        }
      }, 40L * (i + 1), TimeUnit.MILLISECONDS);
    }
  }

  private void showStream(StreamState state) {
    SwingUtilities.invokeLater(() -> panels.forEach(p -> p.showStream(state)));
    if (state.streamId() != null && !state.loading()) {
      streamEnded.complete(state); // after the panels' update was queued
    }
  }

  /**
   * Waits until the holder shows at least {@code target}, then returns each panel's status line,
   * read on the event dispatch thread.
   *
   * @throws IllegalStateException if it is not reached within {@code timeout}
   */
  List<String> awaitShown(Revision target, Duration timeout) {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    // Registered and checked on the dispatch thread, where every apply runs: no apply can be
    // half-way (listeners told, revision not yet published) between the check and the wait.
    var sub = onEdt(() -> {
      var s = settings.addListener(env -> {
        if (env.revision().compareTo(target) >= 0) {
          reached.complete(null);
        }
      });
      if (settings.revision().map(r -> r.compareTo(target) >= 0).orElse(false)) {
        reached.complete(null);
      }
      return s;
    });
    try {
      reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(name + " did not show revision " + target + " within "
          + timeout.toSeconds() + " s; it shows " + settings.revision().orElse(Revision.ZERO));
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException(e);
    } finally {
      sub.close();
    }
    // The listener ran inside the apply on the dispatch thread; this read queues behind it.
    return onEdt(() -> panels.stream().map(SettingsPanel::statusText).toList());
  }

  /**
   * Waits until the live stream ended, then returns each panel's stream text, read on the event
   * dispatch thread.
   */
  List<String> awaitStream(Duration timeout) {
    try {
      streamEnded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(name + ": the live stream did not end within "
          + timeout.toSeconds() + " s");
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException(e);
    }
    // showStream() queued its update before the terminal state was signalled.
    return onEdt(() -> panels.stream().map(SettingsPanel::streamText).toList());
  }

  /** Paints every frame now, so a screen capture sees the current state. */
  void paintNow() {
    onEdt(() -> {
      frames.forEach(f -> f.getRootPane().paintImmediately(f.getRootPane().getBounds()));
      return null;
    });
    java.awt.Toolkit.getDefaultToolkit().sync();
  }

  /** Runs {@code work} on the event dispatch thread and returns its result. */
  static <R> R onEdt(Supplier<R> work) {
    if (SwingUtilities.isEventDispatchThread()) {
      return work.get();
    }
    AtomicReference<R> result = new AtomicReference<>();
    try {
      SwingUtilities.invokeAndWait(() -> result.set(work.get()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(e.getCause());
    }
    return result.get();
  }

  @Override
  public void close() {
    producer.shutdownNow();
    sync.close();
    if (source != null) {
      source.close();
    }
    if (mirror != null) {
      mirror.close();
    }
    onEdt(() -> {
      frames.forEach(JFrame::dispose);
      return null;
    });
  }
}
