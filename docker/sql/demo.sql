-- pgwal SQL demo (docker/README.md): a continuous aggregate over the orders table and a join
-- partner with full before-images. Run by the compose file's sql-client service.
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '10s';
SET 'sql-client.execution.result-mode' = 'tableau';

CREATE TABLE orders (
    id INT,
    customer STRING,
    status STRING,
    amount DECIMAL(12, 2),
    updated_at TIMESTAMP_LTZ(6),
    committed_at TIMESTAMP_LTZ(6) METADATA FROM 'commit_ts' VIRTUAL,
    PRIMARY KEY (id) NOT ENFORCED
) WITH (
    'connector' = 'pgwal',
    'hostname' = 'postgres',
    'port' = '5432',
    'username' = 'pgwal',
    'password' = 'pgwal',
    'database-name' = 'shop',
    'schema-name' = 'public',
    'table-name' = 'orders',
    'slot.name' = 'pgwal_orders',
    'publication.name' = 'pgwal_demo'
);

CREATE TABLE customers (
    id INT,
    name STRING,
    email STRING
) WITH (
    'connector' = 'pgwal',
    'hostname' = 'postgres',
    'port' = '5432',
    'username' = 'pgwal',
    'password' = 'pgwal',
    'database-name' = 'shop',
    'schema-name' = 'public',
    'table-name' = 'customers',
    'slot.name' = 'pgwal_customers',
    'publication.name' = 'pgwal_demo'
);

-- The slot is created when the job starts: rows inserted by init.sql before that are not part of
-- the stream (pgwal has no snapshot phase). Change data from psql once the query runs.
SELECT status, SUM(amount) AS total, COUNT(*) AS orders FROM orders GROUP BY status;
