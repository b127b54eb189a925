"""Private file storage for document images, encrypted by the application: filesystem or S3."""
