package io.pgwal.source.reader;

import static io.pgwal.source.split.PgWalPosition.lsn;

import io.pgwal.PgWalException;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.replication.SqlIdentifiers;
import io.pgwal.source.split.PgWalPosition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises server errors that ended the replication stream and will end it again after any
 * restart, and turns them into a definite {@link PgWalException} that names the cause, the
 * position and the ways out. Errors it does not recognise are left to the reconnect logic and
 * Flink's restart strategy.
 */
final class StreamFailures {

    private static final Logger LOG = LoggerFactory.getLogger(StreamFailures.class);

    /** SQLSTATE undefined_object: pgoutput's "publication ... does not exist". */
    private static final String UNDEFINED_OBJECT = "42704";

    private StreamFailures() {}

    /**
     * @param cursor the position after the last element the reader handed out; the failing change
     *     comes after its restart LSN
     * @param snapshot whether the failure came from a snapshot chunk rather than the stream
     * @return the definite error, or null when {@code e} is not one pgwal recognises
     */
    @Nullable
    static PgWalException explain(SQLException e, PgWalConnectionConfig config,
            @Nullable PgWalPosition cursor, boolean snapshot) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (!snapshot && UNDEFINED_OBJECT.equals(e.getSQLState())
                && message.contains("publication") && message.contains("does not exist")) {
            return missingPublication(e, config, cursor);
        }
        return null;
    }

    /**
     * pgoutput reads the publication with the catalog as it was when the change was written. A
     * publication that exists now but not at that point means the slot was created before it, and
     * every restart decodes the same change and fails the same way.
     */
    private static PgWalException missingPublication(SQLException e, PgWalConnectionConfig config,
            @Nullable PgWalPosition cursor) {
        String slot = config.slotName();
        String pub = config.publicationName();
        String from = cursor == null || cursor.restartLsn() == 0L ? "the slot's confirmed position"
                : lsn(cursor.restartLsn());
        String advance = "SELECT pg_replication_slot_advance(" + SqlIdentifiers.quoteLiteral(slot)
                + ", pg_current_wal_lsn())";
        if (publicationExistsNow(config)) {
            return new PgWalException("Replication slot '" + slot + "' (option 'slot.name') holds"
                    + " changes written before publication '" + pub + "' (option"
                    + " 'publication.name') was created: PostgreSQL decodes each change with the"
                    + " catalog of its time, so it fails on the first change after " + from
                    + " (\"" + e.getMessage() + "\"), and would again after every restart. Either"
                    + " recreate the slot now that the publication exists (SELECT"
                    + " pg_drop_replication_slot(" + SqlIdentifiers.quoteLiteral(slot) + "), then"
                    + " start the job without state and with 'scan.startup.mode' = 'initial' so"
                    + " that the tables' rows are read again), or advance the slot past the"
                    + " publication's creation, accepting that the changes in between are lost ("
                    + advance + ", then restart without state or with 'restore.allow-slot-ahead'"
                    + " = true).", e);
        }
        return new PgWalException("Publication '" + pub + "' (option 'publication.name') does not"
                + " exist (the server said \"" + e.getMessage() + "\" while decoding the changes"
                + " after " + from + " of slot '" + slot + "'). Create it again (CREATE PUBLICATION "
                + SqlIdentifiers.quoteIdentifier(pub) + " FOR TABLE ...); if changes were written"
                + " while it was missing, the slot then also needs one of the ways out that this"
                + " error names once the publication exists.", e);
    }

    private static boolean publicationExistsNow(PgWalConnectionConfig config) {
        try (Connection c = ReplicationSetup.connect(config, false);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?")) {
            ps.setString(1, config.publicationName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException | PgWalException ex) {
            LOG.debug("Could not check whether publication '{}' exists", config.publicationName(),
                    ex);
            // Assume it does: the setup check of the next attempt tells a missing one clearly.
            return true;
        }
    }
}
