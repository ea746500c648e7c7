# Every kind of literal a parameters cell holds
year = 1997
rows = 1_000_000
huge = 123456789012345678901234567890
negative = -42
hexa = 0xFF
rate = 1e-3
delta = -0.5
half = .5
big_float = 1e400
not_a_number = float("nan")
minus_inf = float('-inf')
flag = True
off = False
nothing = None
label = "tv"
single = 'it\'s'
escapes = "a\\nb\t\"q\" \x41\u00e9\U0001F600\101"
raw = r"C:\new\table"
raw_quote = r'a\'b'
joined = "ab" 'cd'
fstring = f"no {{fields}}"
data = b"\x00ab\n"
unknown_escape = "\d+"
triple = """line one
line two"""
