"""Plain helpers every app uses: money, rate limits, the client's address, CSV safety, SVG charts.

No models, no views, and no imports from the portal's apps: everything else may import this package.
"""
