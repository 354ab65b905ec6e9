package io.pgwal.replication;

/** {@link ReplicationSessionContract} on PostgreSQL 15. */
class ReplicationSessionPg15ITCase extends ReplicationSessionContract {

    @Override
    int major() {
        return 15;
    }
}
