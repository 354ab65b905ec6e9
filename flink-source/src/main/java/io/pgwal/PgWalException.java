package io.pgwal;

/**
 * An error that pgwal reports to the user: a setting or server state that prevents correct,
 * exactly-once replication. The message says what was expected, what was found, and which option
 * or server setting fixes it. It never contains a password.
 */
public class PgWalException extends RuntimeException {

    public PgWalException(String message) {
        super(message);
    }

    public PgWalException(String message, Throwable cause) {
        super(message, cause);
    }
}
