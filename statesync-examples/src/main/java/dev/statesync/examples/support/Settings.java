package dev.statesync.examples.support;

/**
 * The settings every example keeps in sync: a theme name and a font size.
 *
 * @param theme the colour theme, for example {@code "dark"}
 * @param fontSize the font size in points
 */
public record Settings(String theme, int fontSize) {
  /** The settings a fresh backend starts with. */
  public static Settings defaults() {
    return new Settings("light", 12);
  }

  @Override
  public String toString() {
    return theme + "/" + fontSize;
  }
}
