import NightSimulation
import Testing
