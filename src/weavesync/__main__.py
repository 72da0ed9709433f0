from weavesync.cli.main import main

main()
