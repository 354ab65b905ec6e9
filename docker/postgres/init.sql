-- Demo database for the pgwal SQL connector (run once by the postgres image's entrypoint).
-- A replication user, two tables (one per changelog mode) and the publication the connector reads.
CREATE ROLE pgwal WITH LOGIN REPLICATION PASSWORD 'pgwal';

CREATE TABLE public.orders (
    id         int PRIMARY KEY,
    customer   text NOT NULL,
    status     text NOT NULL,
    amount     numeric(12, 2) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- REPLICA IDENTITY DEFAULT (the primary key): the SQL table is an upsert table on id.

CREATE TABLE public.customers (
    id    int PRIMARY KEY,
    name  text NOT NULL,
    email text
);
-- FULL: UPDATEs and DELETEs carry the whole old row; the SQL table is a retract (-U/+U) table.
ALTER TABLE public.customers REPLICA IDENTITY FULL;

INSERT INTO public.customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', NULL);
INSERT INTO public.orders (id, customer, status, amount) VALUES
    (1, 'Ann', 'new', 10.00), (2, 'Bob', 'paid', 25.50), (3, 'Ann', 'shipped', 7.25);

GRANT SELECT ON public.orders, public.customers TO pgwal;

CREATE PUBLICATION pgwal_demo FOR TABLE public.orders, public.customers;
