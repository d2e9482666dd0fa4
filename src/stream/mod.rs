//! Server-sent events: parsing the chat-completions stream and assembling its message.
