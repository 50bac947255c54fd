"""The verdict page: the four aspects, every school, every item, with reasons."""
