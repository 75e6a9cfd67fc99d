"""The show's room: who joins, the join snapshot, the table of frame types, and the parts areas contribute."""
