-- 400 products in 8 categories from 10 (made-up) brands.
WITH p AS (SELECT range AS i FROM range(400))
SELECT
    CAST(i + 1 AS INTEGER) AS Id,
    lpad(CAST(hash(i, 'ean') % 10000000000000 AS VARCHAR), 13, '0') AS EAN_Code,
    brand || ' ' || category || ' ' || CAST(100 + i AS VARCHAR)     AS Product_Name,
    brand                                                           AS Brand,
    category                                                        AS Product_Category,
    CAST(round(base_price * (0.6 + (hash(i, 'price') % 900) / 1000.0), 2) AS DECIMAL(10, 2)) AS Unit_Price
FROM p,
LATERAL (SELECT
    ['tv', 'laptop', 'phone', 'tablet', 'camera', 'headphones', 'console', 'appliance'][1 + i % 8] AS category,
    [799, 1099, 699, 449, 549, 149, 399, 299][1 + i % 8] AS base_price,
    ['Aurora', 'Borealis', 'Kestrel', 'Nimbus', 'Orion', 'Pioneer', 'Quasar', 'Sonora', 'Vertex', 'Zenith'][1 + CAST(hash(i, 'brand') % 10 AS BIGINT)] AS brand)
ORDER BY Id
