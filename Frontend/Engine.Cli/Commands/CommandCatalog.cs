using System.CommandLine;

namespace Engine.Cli.Commands;

/// <summary>The explicit list of CLI commands.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        RunCommand.Create(),
        BenchCommand.Create(),
        InspectCommand.Create(),
        ConvertCommand.Create(),
        ConformanceCommand.Create(),
        OptimizeCommand.Create(),
        CompileCommand.Create(),
        Demo.DemoCommand.Create(),
        TrainCommand.Create(),
        EvaluateCommand.Create(),
        QuantizeCommand.Create(),
        PruneCommand.Create(),
        CompressCommand.Create(),
    ];
}
