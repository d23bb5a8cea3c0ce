from aicompute.engine.cli import main

main()
