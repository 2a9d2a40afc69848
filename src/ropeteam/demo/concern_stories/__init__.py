"""What was said in the demo's concerns, turn by turn: blame-free, about practice, and never
about a young person beyond a demo case's reference."""

from ropeteam.demo.concern_stories import northside, riverside
from ropeteam.demo.concern_stories.shapes import Step, Story

# Northside's, then Riverside's, oldest first; each story's steps in the order they happened.
# Each concern has its own conversation, listed under Messages by the names in it, so two
# pairs are left out for the browser tests: alex with priya (test_concerns.py has priya see
# no sign of alex until the concern it raises is escalated) and morgan with sam
# (test_conversations.py finds morgan's one conversation with sam by his name).
STORIES = [*northside.STORIES, *riverside.STORIES]

__all__ = ["STORIES", "Step", "Story"]
