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
