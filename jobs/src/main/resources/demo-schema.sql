-- The demo's schema: two tables with most of the types pgwal maps, and a publication for them.
CREATE SCHEMA demo;

CREATE TABLE demo.customers (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    email      varchar(200),
    vip        boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE demo.orders (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES demo.customers (id),
    amount      numeric(12, 2) NOT NULL,
    status      text NOT NULL,
    placed_on   date NOT NULL,
    placed_at   timestamp NOT NULL,
    ref         uuid NOT NULL,
    details     jsonb
);

-- Full before-images for orders, key-only before-images for customers: the demo shows both.
ALTER TABLE demo.orders REPLICA IDENTITY FULL;

CREATE PUBLICATION pgwal_demo FOR TABLE demo.customers, demo.orders;

-- Rows that exist before the job starts: the initial snapshot reads them (op READ).
INSERT INTO demo.customers (id, name, email, vip, created_at) VALUES
    (100, 'Edsger Dijkstra', 'ewd@example.org', true, '2026-01-05 09:00:00+00'),
    (101, 'Barbara Liskov', NULL, false, '2026-02-11 15:30:00+00');
INSERT INTO demo.orders (id, customer_id, amount, status, placed_on, placed_at, ref, details) VALUES
    (100, 100, 1234.50, 'shipped', '2026-03-01', '2026-03-01 10:15:00', 'c0ffee00-0000-4000-8000-000000000100', '{"gift": false}'),
    (101, 100, 0.99, 'paid', '2026-03-02', '2026-03-02 11:00:00', 'c0ffee00-0000-4000-8000-000000000101', NULL),
    (102, 101, 42.00, 'new', '2026-03-03', '2026-03-03 12:45:30', 'c0ffee00-0000-4000-8000-000000000102', '{"note": "first order"}');
