namespace Engine.Passes;

/// <summary>What one pass did: node counts before/after, time, whether it changed anything.</summary>
public sealed record PassReport(string Pass, int NodesBefore, int NodesAfter, double Milliseconds, bool Changed, bool Skipped);
