"""What people read, in their language: labels of documents, sides and states; country names; lists."""
