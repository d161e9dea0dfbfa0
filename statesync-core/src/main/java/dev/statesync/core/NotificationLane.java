package dev.statesync.core;

import dev.statesync.core.internal.SerialContext;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Delivers a handle's changes, in order, to its listeners and {@code changes()} subscribers, on a
 * serial lane of its own (the handle's executor, never the engine's serial context).
 */
final class NotificationLane implements Flow.Publisher<SyncChange> {
  static final int SUBSCRIBER_BUFFER = 256;

  private final SerialContext lane;
  private final Consumer<Throwable> onObserverFailure;
  private final AtomicLong droppedNotifications = new AtomicLong();
  private final CopyOnWriteArrayList<Registration> listeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<ChangeSubscription> subscribers = new CopyOnWriteArrayList<>();
  private boolean completed; // lane-confined

  NotificationLane(Executor executor, Object owner, Consumer<Throwable> onObserverFailure) {
    this.onObserverFailure = onObserverFailure;
    this.lane = new SerialContext(executor, owner, onObserverFailure);
  }

  long droppedNotifications() {
    return droppedNotifications.get();
  }

  Subscription addListener(SyncListener listener) {
    Registration r = new Registration(Objects.requireNonNull(listener, "listener"));
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  void publish(SyncChange change) {
    lane.execute(() -> {
      for (Registration r : listeners) {
        try {
          deliver(r.listener, change);
        } catch (Throwable t) {
          onObserverFailure.accept(t);
        }
      }
      for (ChangeSubscription s : subscribers) {
        s.enqueue(change);
      }
    });
  }

  /** Completes every subscriber once its buffer drains; later subscribers complete at once. */
  void complete() {
    lane.execute(() -> {
      completed = true;
      for (ChangeSubscription s : subscribers) {
        s.completeWhenDrained();
      }
    });
  }

  /** Returns a future completed once every notification published so far has been delivered. */
  CompletableFuture<Void> drained() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    lane.execute(() -> f.complete(null));
    return f;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super SyncChange> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    ChangeSubscription s = new ChangeSubscription(subscriber);
    lane.execute(() -> {
      try {
        subscriber.onSubscribe(s);
      } catch (Throwable t) {
        onObserverFailure.accept(t);
      }
      if (completed) {
        s.completeWhenDrained();
      } else {
        subscribers.add(s);
      }
    });
  }

  private static void deliver(SyncListener listener, SyncChange change) {
    if (change instanceof SyncChange.StatusChanged c) {
      listener.onStatusChanged(c.from(), c.to());
    } else if (change instanceof SyncChange.SnapshotApplied a) {
      listener.onSnapshotApplied(a.revision(), a.epoch(), a.origin(), a.epochReset());
    } else if (change instanceof SyncChange.ErrorReported e) {
      listener.onError(e.error());
    }
  }

  /** One registration; identity-based so the same listener may be registered twice. */
  private static final class Registration {
    final SyncListener listener;

    Registration(SyncListener listener) {
      this.listener = listener;
    }
  }

  /** A subscriber's bounded buffer and demand; every method body runs on the lane. */
  private final class ChangeSubscription implements Flow.Subscription {
    private final Flow.Subscriber<? super SyncChange> subscriber;
    private final ArrayDeque<SyncChange> buffer = new ArrayDeque<>();
    private long demand;
    private boolean cancelled;
    private boolean completing;
    private boolean done;

    ChangeSubscription(Flow.Subscriber<? super SyncChange> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      lane.execute(() -> {
        if (done || cancelled) {
          return;
        }
        if (n <= 0) {
          cancelled = true;
          subscribers.remove(this);
          signal(() -> subscriber.onError(
              new IllegalArgumentException("request must be > 0, was " + n)));
          return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        drain();
      });
    }

    @Override
    public void cancel() {
      lane.execute(() -> {
        cancelled = true;
        buffer.clear();
        subscribers.remove(this);
      });
    }

    void enqueue(SyncChange change) {
      if (cancelled || done) {
        return;
      }
      if (buffer.size() >= SUBSCRIBER_BUFFER) {
        droppedNotifications.incrementAndGet();
        return;
      }
      buffer.add(change);
      drain();
    }

    void completeWhenDrained() {
      completing = true;
      drain();
    }

    private void drain() {
      while (demand > 0 && !buffer.isEmpty() && !cancelled) {
        SyncChange next = buffer.poll();
        demand--;
        signal(() -> subscriber.onNext(next));
      }
      if (completing && buffer.isEmpty() && !cancelled && !done) {
        done = true;
        subscribers.remove(this);
        signal(subscriber::onComplete);
      }
    }

    private void signal(Runnable r) {
      try {
        r.run();
      } catch (Throwable t) {
        onObserverFailure.accept(t);
      }
    }
  }
}
