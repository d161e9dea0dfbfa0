package dev.statesync.postgres.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps a few idle connections of a URL-configured store for reuse. Opening a PostgreSQL
 * connection forks a server process (milliseconds of CPU), which would dominate every read and
 * write; users with a DataSource bring their own pool instead.
 *
 * <p>A connection idle for longer than {@link #VALIDATE_AFTER_NANOS} is checked with
 * {@link Connection#isValid} before reuse, so connections that a server restart cut are
 * discarded instead of failing the next operation. Thread-safe.
 */
final class IdleConnectionPool implements ConnectionSource {
  private static final long VALIDATE_AFTER_NANOS = 500_000_000L;

  private final ConnectionSource opener;
  private final int maxIdle;
  private final Deque<Idle> idle = new ArrayDeque<>();

  private record Idle(Connection connection, long sinceNanos) {}

  IdleConnectionPool(ConnectionSource opener, int maxIdle) {
    this.opener = opener;
    this.maxIdle = maxIdle;
  }

  @Override
  public Connection open() throws SQLException {
    while (true) {
      Idle candidate;
      synchronized (idle) {
        candidate = idle.pollFirst();
      }
      if (candidate == null) {
        return wrap(opener.open());
      }
      Connection c = candidate.connection();
      boolean fresh = System.nanoTime() - candidate.sinceNanos() < VALIDATE_AFTER_NANOS;
      if (fresh || isValid(c)) {
        return wrap(c);
      }
      closeQuietly(c);
    }
  }

  private Connection wrap(Connection target) {
    InvocationHandler handler = new InvocationHandler() {
      private boolean returned;

      @Override
      public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("close") && method.getParameterCount() == 0) {
          if (!returned) {
            returned = true;
            release(target);
          }
          return null;
        }
        if (name.equals("isClosed") && method.getParameterCount() == 0 && returned) {
          return true;
        }
        try {
          return method.invoke(target, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }
    };
    return (Connection) Proxy.newProxyInstance(
        Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private void release(Connection c) {
    try {
      if (c.isClosed() || !c.getAutoCommit()) {
        closeQuietly(c);
        return;
      }
    } catch (SQLException e) {
      closeQuietly(c);
      return;
    }
    synchronized (idle) {
      if (idle.size() < maxIdle) {
        idle.addFirst(new Idle(c, System.nanoTime()));
        return;
      }
    }
    closeQuietly(c);
  }

  private static boolean isValid(Connection c) {
    try {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // Discarding a connection that is broken or surplus; its close error adds nothing.
    }
  }
}
