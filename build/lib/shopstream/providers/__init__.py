"""Pulumi dynamic providers for shopstream (credentials lookup + one package per external API)."""
