"""rasa-sdk actions: thin glue from the tracker to one service call. Importing is cheap."""
