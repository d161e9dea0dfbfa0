package dev.statesync.examples.desktop;

import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.examples.support.Settings;
import dev.statesync.relay.StreamState;
import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.FlowLayout;
import java.awt.Font;
import java.awt.GridLayout;
import java.util.Map;
import java.util.function.Consumer;
import javax.swing.BorderFactory;
import javax.swing.JButton;
import javax.swing.JComboBox;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JSpinner;
import javax.swing.JTextArea;
import javax.swing.SpinnerNumberModel;
import javax.swing.SwingConstants;

/**
 * The content of one desktop window: a header naming the window and its process, a sample text
 * drawn in the shown theme and font size, the revision, controls to change the settings, and the
 * live stream. Lightweight components only, so it also runs where no display exists (headless
 * tests), on the event dispatch thread like any Swing UI.
 *
 * <p>Every method must be called on the event dispatch thread.
 */
final class SettingsPanel extends JPanel {
  /** Background and foreground of each theme the controls offer. */
  static final Map<String, Color[]> THEMES = Map.of(
      "light", new Color[] {new Color(0xFAFAFA), new Color(0x202020)},
      "dark", new Color[] {new Color(0x1E1E1E), new Color(0xE6E6E6)},
      "solarized", new Color[] {new Color(0xFDF6E3), new Color(0x586E75)});

  private final JLabel sample = new JLabel("The quick brown fox", SwingConstants.CENTER);
  private final JLabel status = new JLabel("waiting for the first snapshot");
  private final JComboBox<String> theme = new JComboBox<>(new String[] {"light", "dark",
      "solarized"});
  private final JSpinner fontSize = new JSpinner(new SpinnerNumberModel(12, 6, 72, 1));
  private final JButton apply = new JButton("Apply");
  private final JTextArea stream = new JTextArea(4, 28);
  private final JLabel streamStatus = new JLabel("live stream: none yet");
  private final JButton generate = new JButton("Generate");

  /**
   * @param title the header, for example {@code "Editor · JVM 1 (pid 4242)"}
   * @param onApply called on the event dispatch thread with the settings the user chose
   * @param onGenerate called on the event dispatch thread when the user asks for a stream; null
   *     for a window that only mirrors the stream
   */
  SettingsPanel(String title, Consumer<Settings> onApply, Runnable onGenerate) {
    super(new BorderLayout(0, 6));
    setBorder(BorderFactory.createEmptyBorder(8, 8, 8, 8));
    setPreferredSize(new Dimension(400, 380));

    JLabel header = new JLabel(title);
    header.setFont(header.getFont().deriveFont(Font.BOLD, 15f));
    header.setOpaque(true);
    header.setBackground(new Color(0x3B5B92));
    header.setForeground(Color.WHITE);
    header.setBorder(BorderFactory.createEmptyBorder(6, 8, 6, 8));
    add(header, BorderLayout.NORTH);

    sample.setOpaque(true);
    sample.setPreferredSize(new Dimension(380, 90));
    sample.setBorder(BorderFactory.createLineBorder(Color.GRAY));
    JPanel shown = new JPanel(new BorderLayout(0, 4));
    shown.add(sample, BorderLayout.CENTER);
    shown.add(status, BorderLayout.SOUTH);

    JPanel controls = new JPanel(new FlowLayout(FlowLayout.LEFT, 6, 0));
    controls.add(new JLabel("Theme"));
    controls.add(theme);
    controls.add(new JLabel("Size"));
    controls.add(fontSize);
    controls.add(apply);
    apply.addActionListener(e -> onApply.accept(chosen()));

    JPanel live = new JPanel(new BorderLayout(0, 4));
    stream.setLineWrap(true);
    stream.setWrapStyleWord(true);
    stream.setEditable(false);
    live.add(streamStatus, BorderLayout.NORTH);
    live.add(new JScrollPane(stream), BorderLayout.CENTER);
    if (onGenerate != null) {
      generate.addActionListener(e -> onGenerate.run());
      JPanel bar = new JPanel(new FlowLayout(FlowLayout.LEFT, 0, 0));
      bar.add(generate);
      live.add(bar, BorderLayout.SOUTH);
    }

    JPanel body = new JPanel(new GridLayout(0, 1, 0, 6));
    JPanel top = new JPanel(new BorderLayout(0, 6));
    top.add(shown, BorderLayout.CENTER);
    top.add(controls, BorderLayout.SOUTH);
    body.add(top);
    body.add(live);
    add(body, BorderLayout.CENTER);
  }

  /** Shows {@code snapshot}: the sample in its theme and size, the revision, the controls. */
  void show(SnapshotEnvelope<Settings> snapshot) {
    Settings s = snapshot.data();
    Color[] colours = THEMES.getOrDefault(s.theme(), THEMES.get("light"));
    sample.setBackground(colours[0]);
    sample.setForeground(colours[1]);
    sample.setFont(sample.getFont().deriveFont((float) s.fontSize()));
    status.setText(shownText(snapshot));
    theme.setSelectedItem(s.theme());
    fontSize.setValue(s.fontSize());
  }

  /** The line this panel shows for {@code snapshot}. */
  static String shownText(SnapshotEnvelope<Settings> snapshot) {
    return snapshot.data().theme() + ", " + snapshot.data().fontSize() + " pt, revision "
        + snapshot.revision();
  }

  /** Shows a failed write; the shown settings stay as they were. */
  void showError(String message) {
    status.setText("write failed: " + message);
  }

  /** Shows the live stream's text and status. */
  void showStream(StreamState state) {
    if (state.streamId() == null) {
      return;
    }
    stream.setText(state.text());
    streamStatus.setText("live stream: " + state.status().name().toLowerCase());
  }

  /** What the status line says now. */
  String statusText() {
    return status.getText();
  }

  /** What the sample's theme colours and size are now, as {@code theme/size}. */
  String sampleStyle() {
    String name = THEMES.entrySet().stream()
        .filter(e -> e.getValue()[0].equals(sample.getBackground()))
        .map(Map.Entry::getKey).findFirst().orElse("?");
    return name + "/" + sample.getFont().getSize();
  }

  /** The live stream's text as shown. */
  String streamText() {
    return stream.getText();
  }

  /** The live stream's status line as shown. */
  String streamStatusText() {
    return streamStatus.getText();
  }

  /** Chooses {@code value} in the controls and presses Apply, as a user would. */
  void choose(Settings value) {
    theme.setSelectedItem(value.theme());
    fontSize.setValue(value.fontSize());
    apply.doClick(0);
  }

  /** Presses Generate, as a user would. */
  void pressGenerate() {
    generate.doClick(0);
  }

  private Settings chosen() {
    return new Settings((String) theme.getSelectedItem(), (Integer) fontSize.getValue());
  }
}
