"""The shop's web front: demo shop pages with the chat widget, and the socket.io gateway to the bot."""
