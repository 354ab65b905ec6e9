package io.pgwal;

import java.sql.SQLException;
import java.util.Set;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * An error that pgwal reports to the user: a setting or server state that prevents correct,
 * exactly-once replication. The message says what was expected, what was found, and which option
 * or server setting fixes it. It never contains a password.
 *
 * <p><b>Definite or transient.</b> Most of these errors repeat after every restart (bad settings, a
 * missing slot or publication, a value that cannot be converted, a slot the job cannot resume
 * from): such an error is <em>definite</em>, and {@link #failOnce} makes the job fail without
 * going through Flink's restart strategy. An error is <em>transient</em> when it was made with
 * {@link #transientError}, or when (not made with {@link #definiteError}) its causes hold a {@link
 * SQLException} whose SQLSTATE says the server or the network may recover (see {@link
 * #isTransientSqlState}); Flink's restart strategy retries those.
 */
public class PgWalException extends RuntimeException {

    /**
     * SQLSTATE classes and codes after which trying again may succeed: connection exceptions
     * (08), insufficient resources (53, e.g. too many connections), operator intervention (57,
     * e.g. a shutdown or a terminated backend), transaction rollback (40, serialization failure or
     * deadlock), object in use (55006, e.g. a slot still held by our previous walsender), lock not
     * available (55P03). Not class 58 (system errors): its 58P01 is "requested WAL segment has
     * already been removed", which no retry brings back.
     */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53", "57", "40");

    private static final Set<String> TRANSIENT_STATES = Set.of("55006", "55P03");

    private enum Kind { BY_CAUSE, TRANSIENT, DEFINITE }

    private final Kind kind;

    public PgWalException(String message) {
        this(message, null, Kind.BY_CAUSE);
    }

    public PgWalException(String message, Throwable cause) {
        this(message, cause, Kind.BY_CAUSE);
    }

    private PgWalException(String message, Throwable cause, Kind kind) {
        super(message, cause);
        this.kind = kind;
    }

    /** An error that may go away by itself (for example a slot held by a reader that is leaving). */
    public static PgWalException transientError(String message, Throwable cause) {
        return new PgWalException(message, cause, Kind.TRANSIENT);
    }

    /**
     * An error that repeats after a restart whatever its cause says (for example a TLS handshake
     * refused by a wrong root certificate, which pgjdbc reports as a connection failure).
     */
    public static PgWalException definiteError(String message, Throwable cause) {
        return new PgWalException(message, cause, Kind.DEFINITE);
    }

    /**
     * True when a restart would fail the same way: the error was not made as transient and no
     * cause is a {@link SQLException} with a transient SQLSTATE.
     */
    public boolean isDefinite() {
        if (kind != Kind.BY_CAUSE) {
            return kind == Kind.DEFINITE;
        }
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof PgWalException p && p.kind != Kind.BY_CAUSE) {
                return p.kind == Kind.DEFINITE;
            }
            if (t instanceof SQLException e && isTransientSqlState(e.getSQLState())) {
                return false;
            }
        }
        return true;
    }

    /** True for SQLSTATEs after which trying again may succeed (see the class comment). */
    public static boolean isTransientSqlState(String state) {
        return state != null && state.length() == 5
                && (TRANSIENT_CLASSES.contains(state.substring(0, 2))
                        || TRANSIENT_STATES.contains(state));
    }

    /**
     * The exception to throw for {@code e} from a Flink task or coordinator: a definite error
     * wrapped in Flink's {@link SuppressRestartsException}, so that the job fails once with it
     * instead of restarting into the same failure; a transient one unchanged.
     */
    public static RuntimeException failOnce(PgWalException e) {
        return e.isDefinite() ? new SuppressRestartsException(e) : e;
    }
}
