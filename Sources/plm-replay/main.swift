import PLMCommands

Replay.main()
