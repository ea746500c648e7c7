-- One row per day, 1995 to 2000: the date dimension of the classic star schema.
SELECT
    CAST(row_number() OVER (ORDER BY d) AS INTEGER) AS Id,
    CAST(d AS DATE)                                AS Date,
    CAST(day(d) AS INTEGER)                        AS Day,
    CAST(isodow(d) AS INTEGER)                     AS Day_of_Week,
    dayname(d)                                     AS Day_Name,
    CAST(month(d) AS INTEGER)                      AS Month,
    monthname(d)                                   AS Month_Name,
    CAST(quarter(d) AS INTEGER)                    AS Quarter,
    'Q' || quarter(d)                              AS Quarter_Name,
    CAST(year(d) AS INTEGER)                       AS Year
FROM range(DATE '1995-01-01', DATE '2001-01-01', INTERVAL 1 DAY) AS t(d)
ORDER BY Id
