"""What a person can do: parse a command, check who may do it, run the domain in one unit of work."""
