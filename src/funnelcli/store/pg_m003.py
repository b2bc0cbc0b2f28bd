"""Team schema 3: `julianday(text)` reads the store's instants with
PostgreSQL's own timestamp input (frozen SQL text).

`report metrics --since 90d` at 1M deals computes `julianday(closed_at) -
julianday(created_at)` for each of the ~99,000 deals won in the window, and
the sales cycle's sum and median need every one of them. Schema 2's
`julianday(text)` goes through `funnel_wall_time()` (PL/pgSQL: one call, six
`substr`s and a `make_timestamp` per value) and then `extract(epoch …)`, a
numeric: the sum of those deals' cycles took 4.7-5.4 s with it against
1.3-2.8 s with this, serially on a loaded machine, and 0.5-0.8 s without any
day arithmetic (benchmarks/README.md, "Reports on PostgreSQL").

- The fast path is an instant as the store writes one,
  `YYYY-MM-DDTHH:MM:SSZ`, of a date that exists, in years 0002-9998: its shape
  checked by `translate` and text comparisons (the month, the day against
  the month, 29 February aside, the hour, minutes and seconds), then read by
  `::timestamptz` and turned into the session zone's wall-clock time by
  `::timestamp`: the same conversion as `funnel_wall_time()`'s, without the
  PL/pgSQL call. Whole seconds, so `date_part('epoch', …)` (a double, exact
  for them) gives the same whole milliseconds as `extract(epoch …)`.
- Anything else (a bare date, 29 February, the years 0001 and 9999 whose
  wall-clock time may leave the range, text that is no date) goes the way of
  schema 2, unchanged. The same numbers for every value:
  tests/test_pg_schema.py compares them with zone.py's in five zones, and
  they were the same for the 2,000,000 `created_at` and `closed_at` of the
  1M-deal benchmark in four zones.
- An inlinable `LANGUAGE sql` function, STABLE (it reads the session's
  TimeZone) and PARALLEL SAFE, as before.
"""

from __future__ import annotations

MIGRATION: tuple[str, ...] = (
    """CREATE OR REPLACE FUNCTION julianday(value text) RETURNS double precision
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE
            WHEN translate(value, '0123456789', '9999999999') = '9999-99-99T99:99:99Z'
                AND value >= '0002' AND value < '9999'
                AND substr(value, 6, 2) BETWEEN '01' AND '12'
                AND (substr(value, 9, 2) BETWEEN '01' AND '28'
                     OR (substr(value, 9, 2) IN ('29', '30') AND substr(value, 6, 2) <> '02')
                     OR (substr(value, 9, 2) = '31'
                         AND substr(value, 6, 2) IN ('01', '03', '05', '07', '08', '10', '12')))
                AND substr(value, 12, 2) <= '23'
                AND substr(value, 15, 2) <= '59'
                AND substr(value, 18, 2) <= '59'
            THEN (210866760000000
                  + date_part('epoch', value::timestamptz::timestamp)::bigint * 1000
                 )::double precision / 86400000.0::double precision
            ELSE (210866760000000
                  + floor(extract(epoch FROM funnel_wall_time(value)) * 1000)::bigint
                 )::double precision / 86400000.0::double precision
        END
    $$""",
)
