ids = [1, 2,
       3]  # a comment inside
names = ["a", 'b', "c,d"]
empty = []
pair = (1, "x")
one = (1,)
bare = 1, 2
nothing = ()
nested = [[1, 2], [3]]
mixed = [1, None, 2.5]
config = {
    "a": 1,
    "b": [True, None],  # trailing comma next
}
keys = {1: "one", 1.0: "uno", True: "yes"}
tags = {"x", "y", "x"}
none_set = set()
none_dict = dict()
