package io.pgwal.replication;

import org.postgresql.replication.LogSequenceNumber;

/** The replication slot as found (or created) by {@link ReplicationSetup}. */
public record SlotInfo(
        String slotName,
        LogSequenceNumber confirmedFlushLsn,
        LogSequenceNumber restartLsn,
        boolean created,
        int serverVersionNum) {}
