"""The live room's conversation: chat messages, questions, likes and moderation."""
