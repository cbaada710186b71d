from paxmodel.cli import main

main()
