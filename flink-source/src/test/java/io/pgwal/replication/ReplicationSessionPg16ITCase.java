package io.pgwal.replication;

/** {@link ReplicationSessionContract} on PostgreSQL 16. */
class ReplicationSessionPg16ITCase extends ReplicationSessionContract {

    @Override
    int major() {
        return 16;
    }
}
