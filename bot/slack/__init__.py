"""The Slack adapter: translates Slack requests into invocations and clicks, and the bot's messages into
Slack calls. It changes no state itself."""
