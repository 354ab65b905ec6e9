package io.pgwal.replication;

import org.postgresql.replication.LogSequenceNumber;

/**
 * The replication slot as found (or created) by {@link ReplicationSetup}, and the server facts a
 * session needs.
 *
 * @param walSenderTimeoutMillis the server's {@code wal_sender_timeout} in milliseconds (0:
 *     disabled): a client that sends nothing for that long is disconnected
 */
public record SlotInfo(
        String slotName,
        LogSequenceNumber confirmedFlushLsn,
        LogSequenceNumber restartLsn,
        boolean created,
        int serverVersionNum,
        long walSenderTimeoutMillis) {}
