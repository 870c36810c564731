"""Ingestion and the persistent store: loaders, cleaning, chunking, embedding, FAISS + SQLite."""
