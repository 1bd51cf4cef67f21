"""``python -m preserve``: the same as the ``preserve`` command."""
from preserve.launch import main

if __name__ == "__main__":  # pragma: no cover
    main()
