"""The WeChat official account (公众号) channel: the callback URL in, the customer-service API out."""
