package dev.statesync.core.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;

/**
 * {@link Loggers#defaultLogger(String)}: the SLF4J adapter when a provider is on the class path
 * (this test JVM has the recording provider), else a console logger on standard error that drops
 * debug entries (checked in child JVMs whose class path has no provider, or no slf4j-api).
 */
class DefaultLoggerTest {
  @TempDir Path tmp;

  @BeforeEach
  @AfterEach
  void reset() {
    RecordingSlf4jProvider.EVENTS.clear();
    RecordingSlf4jProvider.debugEnabled = true;
  }

  @Test
  void withAnSlf4jProviderEntriesGoToTheNamedSlf4jLogger() {
    Logger logger = Loggers.defaultLogger("dev.statesync.test.default");
    assertInstanceOf(Slf4jLogger.class, logger);
    logger.warn("disk nearly full", Map.of("free", 3));

    List<LoggingEvent> events = RecordingSlf4jProvider.EVENTS.stream()
        .filter(e -> "dev.statesync.test.default".equals(e.getLoggerName())).toList();
    assertEquals(1, events.size(), events.toString());
    assertEquals(Level.WARN, events.get(0).getLevel());
    assertEquals("disk nearly full", events.get(0).getMessage());
  }

  @Test
  void withSlf4jApiButNoProviderItIsAConsoleLoggerOnStandardErrorWithoutDebug() throws Exception {
    String err = runProbe(true);
    assertTrue(err.contains("[warn] probe warning {n=1}"), err);
    assertTrue(err.contains("[error] probe error"), err);
    assertFalse(err.contains("probe debug"), err);
    assertFalse(err.contains("SLF4J"), "SLF4J was not initialized, so it printed nothing: " + err);
  }

  @Test
  void withoutSlf4jApiItIsAConsoleLoggerToo() throws Exception {
    String err = runProbe(false);
    assertTrue(err.contains("[warn] probe warning {n=1}"), err);
    assertFalse(err.contains("probe debug"), err);
  }

  /** Runs {@link DefaultLoggerProbe} with the main classes, the probe and maybe slf4j-api. */
  private String runProbe(boolean withSlf4jApi) throws IOException, InterruptedException {
    Path probeDir = tmp.resolve("probe");
    String probe = DefaultLoggerProbe.class.getName().replace('.', '/') + ".class";
    Path source = Paths.get(DefaultLoggerProbe.class.getProtectionDomain().getCodeSource()
        .getLocation().getPath()).resolve(probe);
    Files.createDirectories(probeDir.resolve(probe).getParent());
    Files.copy(source, probeDir.resolve(probe));
    Path mainClasses = Paths.get(Loggers.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath());
    StringBuilder cp = new StringBuilder(mainClasses + File.pathSeparator + probeDir);
    if (withSlf4jApi) {
      cp.append(File.pathSeparator).append(Paths.get(org.slf4j.LoggerFactory.class
          .getProtectionDomain().getCodeSource().getLocation().getPath()));
    }
    Path errFile = tmp.resolve("err.txt");
    Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", cp.toString(), DefaultLoggerProbe.class.getName())
        .redirectError(errFile.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not exit");
    assertEquals(0, p.exitValue(), Files.readString(errFile, StandardCharsets.UTF_8));
    return Files.readString(errFile, StandardCharsets.UTF_8);
  }
}
