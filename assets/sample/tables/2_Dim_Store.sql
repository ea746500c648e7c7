-- Two stores in each of 24 cities across 8 countries.
WITH cities(City, State_Province, Country, Region) AS (VALUES
    ('New York', 'NY', 'USA', 'Americas'), ('Chicago', 'IL', 'USA', 'Americas'), ('Austin', 'TX', 'USA', 'Americas'),
    ('Toronto', 'ON', 'Canada', 'Americas'), ('Vancouver', 'BC', 'Canada', 'Americas'), ('Montreal', 'QC', 'Canada', 'Americas'),
    ('São Paulo', 'SP', 'Brazil', 'Americas'), ('Rio de Janeiro', 'RJ', 'Brazil', 'Americas'), ('Curitiba', 'PR', 'Brazil', 'Americas'),
    ('London', 'England', 'UK', 'Europe'), ('Manchester', 'England', 'UK', 'Europe'), ('Edinburgh', 'Scotland', 'UK', 'Europe'),
    ('Berlin', 'Berlin', 'Germany', 'Europe'), ('Munich', 'Bavaria', 'Germany', 'Europe'), ('Hamburg', 'Hamburg', 'Germany', 'Europe'),
    ('Paris', 'Île-de-France', 'France', 'Europe'), ('Lyon', 'Auvergne-Rhône-Alpes', 'France', 'Europe'), ('Marseille', 'Provence', 'France', 'Europe'),
    ('Tokyo', 'Tokyo', 'Japan', 'Asia'), ('Osaka', 'Osaka', 'Japan', 'Asia'), ('Nagoya', 'Aichi', 'Japan', 'Asia'),
    ('Mumbai', 'Maharashtra', 'India', 'Asia'), ('Bengaluru', 'Karnataka', 'India', 'Asia'), ('Delhi', 'Delhi', 'India', 'Asia')
),
numbered AS (SELECT row_number() OVER () AS c, * FROM cities)
SELECT
    CAST((c - 1) * 2 + s AS INTEGER)                 AS Id,
    'S' || lpad(CAST((c - 1) * 2 + s AS VARCHAR), 3, '0') AS Store_Number,
    City, State_Province, Country, Region,
    CAST(1990 + (c * 7 + s * 3) % 6 AS INTEGER)      AS Opened_Year
FROM numbered, range(1, 3) AS t(s)
ORDER BY Id
