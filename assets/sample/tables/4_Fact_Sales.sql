-- 1.2 million sales lines: which product sold how many units in which store on which day.
-- Deterministic: every value is a hash of the row number, not a random draw.
WITH lines AS (
    SELECT
        range AS i,
        CAST(1 + hash(range, 'date') % 2192 AS INTEGER)  AS Date_Id,
        CAST(1 + hash(range, 'store') % 48 AS INTEGER)   AS Store_Id,
        CAST(1 + hash(range, 'product') % 400 AS INTEGER) AS Product_Id,
        CAST(1 + hash(range, 'units') % 12 AS INTEGER)   AS Units_Sold
    FROM range(1200000)
)
SELECT
    CAST(i + 1 AS BIGINT) AS Id,
    Date_Id, Store_Id, Product_Id, Units_Sold,
    CAST(Units_Sold * p.Unit_Price AS DECIMAL(12, 2)) AS Sales_Amount
FROM lines JOIN Dim_Product p ON p.Id = lines.Product_Id
ORDER BY Date_Id, Store_Id, Id
