using System.Runtime.InteropServices;

namespace Engine.Runtime.IO;

/// <summary>What a generated artifact hands its host: the class's Invoke, its arena size, and the instance to dispose.</summary>
public sealed record ArtifactInstance(Action<Tensor[], Tensor[], IntPtr, long> Invoke, long ArenaLength, IDisposable Owner);

/// <summary>
/// The command line of a compiled artifact (the generated Program.cs calls <see cref="Main"/>):
/// <c>EXE --input-dir DIR --output-dir DIR [--threads N] [--weights FILE]</c> reads input_N.pb
/// (matched to the model's inputs by name, else by position), runs the model and writes output_N.pb
/// named after the outputs — as <c>engine run</c> does. Errors are one line on stderr, exit code 2.
/// </summary>
public static class ArtifactHost
{
    public const string WeightsFileName = "Model.weights";

    public static int Main(string[] args, Func<Tensor[], int, ArtifactInstance> create)
    {
        try
        {
            return Run(args, create);
        }
        catch (EngineException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    private static int Run(string[] args, Func<Tensor[], int, ArtifactInstance> create)
    {
        string? inputDir = null, outputDir = null, weightsPath = null;
        int threads = Environment.ProcessorCount;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new EngineException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--input-dir": inputDir = Next(); break;
                case "--output-dir": outputDir = Next(); break;
                case "--weights": weightsPath = Next(); break;
                case "--threads":
                    if (!int.TryParse(Next(), out threads) || threads < 1) throw new EngineException("--threads must be a positive integer");
                    break;
                case "-h" or "--help":
                    Console.WriteLine("usage: MODEL --input-dir DIR --output-dir DIR [--threads N] [--weights FILE]");
                    return 0;
                default: throw new EngineException($"unknown argument '{args[i]}' (usage: --input-dir DIR --output-dir DIR [--threads N] [--weights FILE])");
            }
        }
        if (inputDir is null || outputDir is null) throw new EngineException("--input-dir and --output-dir are required");
        if (!Directory.Exists(inputDir)) throw new EngineException($"{inputDir}: input folder not found");
        weightsPath ??= Path.Combine(AppContext.BaseDirectory, WeightsFileName);
        var (inputs, outputs, weights) = ArtifactFile.ReadFile(weightsPath);

        var files = Directory.GetFiles(inputDir, "input_*.pb")
            .Select(f => (File: f, Index: int.TryParse(Path.GetFileNameWithoutExtension(f)["input_".Length..], out var n) ? n : -1))
            .Where(x => x.Index >= 0).OrderBy(x => x.Index).ToList();
        var feeds = new Tensor?[inputs.Length];
        for (int i = 0; i < files.Count; i++)
        {
            var (name, t) = TensorProtoWire.ReadFile(files[i].File);
            int target = name.Length > 0 ? Array.FindIndex(inputs, s => s.Name == name) : -1;
            if (target < 0) target = i < inputs.Length ? i : throw new EngineException($"input {i} ('{name}') matches no model input (the model takes {inputs.Length})");
            if (feeds[target] is not null) throw new EngineException($"model input '{inputs[target].Name}' is given twice");
            if (t.Type != inputs[target].Type || !t.Shape.AsSpan().SequenceEqual(inputs[target].Shape))
                throw new EngineException($"{files[i].File}: input '{inputs[target].Name}' expects {DataTypes.ShortName(inputs[target].Type)}{Tensor.ShapeString(inputs[target].Shape)} but got {t}");
            feeds[target] = t;
        }
        for (int i = 0; i < feeds.Length; i++)
            if (feeds[i] is null) throw new EngineException($"model input '{inputs[i].Name}' was not given (no matching input_N.pb in {inputDir})");

        var results = outputs.Select(o => Tensor.Zeros(o.Type, (int[])o.Shape.Clone())).ToArray();
        var model = create(weights, threads);
        try
        {
            unsafe
            {
                void* arena = NativeMemory.AlignedAlloc((nuint)Math.Max(64, model.ArenaLength), 64);
                try
                {
                    model.Invoke(feeds!, results, (IntPtr)arena, model.ArenaLength);
                }
                finally
                {
                    NativeMemory.AlignedFree(arena);
                }
            }
        }
        finally
        {
            model.Owner.Dispose();
        }

        Directory.CreateDirectory(outputDir);
        for (int k = 0; k < outputs.Length; k++)
        {
            TensorProtoWire.WriteFile(Path.Combine(outputDir, $"output_{k}.pb"), results[k], outputs[k].Name);
            Console.WriteLine($"output_{k}.pb  {outputs[k].Name}  {results[k]}");
        }
        return 0;
    }
}
