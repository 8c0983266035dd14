"""Training and evaluating the check-worthiness model: `make train-claims`, `make eval-claims`.

Needs the development dependencies (scikit-learn); the service itself never imports this package.
"""
