-- PostgreSQL -> Kafka, exactly once (docker-compose.kafka.yml): the orders table into the
-- upsert-kafka topic `orders` (key and value as JSON), written in Kafka transactions committed
-- with Flink's checkpoints. Read it with a read_committed consumer, e.g.
--   docker compose exec kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server kafka:9092 \
--     --topic orders --from-beginning --property print.key=true --isolation-level read_committed
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '10s';

CREATE TABLE orders (
    id INT,
    customer STRING,
    status STRING,
    amount DECIMAL(12, 2),
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
    'slot.name' = 'pgwal_orders_kafka',
    'publication.name' = 'pgwal_demo'
);

CREATE TABLE orders_kafka (
    id INT,
    customer STRING,
    status STRING,
    amount DECIMAL(12, 2),
    PRIMARY KEY (id) NOT ENFORCED
) WITH (
    'connector' = 'upsert-kafka',
    'topic' = 'orders',
    'properties.bootstrap.servers' = 'kafka:9092',
    'key.format' = 'json',
    'value.format' = 'json',
    'sink.delivery-guarantee' = 'exactly-once',
    'sink.transactional-id-prefix' = 'pgwal-orders',
    -- the connector's default (1 h) is above the broker's transaction.max.timeout.ms (15 min)
    'properties.transaction.timeout.ms' = '900000'
);

INSERT INTO orders_kafka SELECT * FROM orders;
