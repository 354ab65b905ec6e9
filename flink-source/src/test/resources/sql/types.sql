-- Tables for PgWalSourceTypesITCase: every mapped type, a REPLICA IDENTITY FULL table, and a table
-- whose large column is stored out of line (TOAST) without compression.
CREATE TABLE public.all_types (
    id          int PRIMARY KEY,
    c_bool      boolean,
    c_int2      smallint,
    c_int4      integer,
    c_int8      bigint,
    c_float4    real,
    c_float8    double precision,
    c_num       numeric(12, 2),
    c_num_big   numeric(38, 10),
    c_num_free  numeric,
    c_text      text,
    c_varchar   varchar(20),
    c_char      char(5),
    c_bytea     bytea,
    c_date      date,
    c_time      time,
    c_ts        timestamp,
    c_tstz      timestamptz,
    c_uuid      uuid,
    c_json      json,
    c_jsonb     jsonb,
    c_interval  interval,
    c_int_array int[]
);

CREATE TABLE public.accounts (
    id      bigint PRIMARY KEY,
    owner   text NOT NULL,
    balance numeric(12, 2) NOT NULL
);
ALTER TABLE public.accounts REPLICA IDENTITY FULL;

CREATE TABLE public.docs (
    id    int PRIMARY KEY,
    title text NOT NULL,
    body  text NOT NULL
);
ALTER TABLE public.docs ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE PUBLICATION types_pub FOR TABLE public.all_types, public.accounts, public.docs;
