"""The bot on Mattermost (REST API v4 over httpx): client, platform port, endpoints, settings."""
