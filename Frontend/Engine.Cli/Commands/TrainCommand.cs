using System.CommandLine;
using System.Globalization;
using Engine.Builder;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands;

/// <summary>
/// engine train --model NAME --dataset NAME: trains a registered model on a registered dataset
/// (the dataset's official test split, else a seeded 80/20 one; a validation share of the training part), prints one line per
/// epoch and ends with <c>test_accuracy=…</c> on the held-out test split; --save exports the
/// inference graph with the trained weights as ONNX.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"architecture ({string.Join(", ", ModelRegistry.Names)})", Required = true };
        var dataset = new Option<string>("--dataset") { Description = $"dataset ({string.Join(", ", DatasetRegistry.Names)})", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "minibatch size (the last partial batch of each shuffled epoch is dropped)", DefaultValueFactory = _ => 32 };
        var optimizer = new Option<string>("--optimizer") { Description = string.Join("|", Optimizer.Names), DefaultValueFactory = _ => "adam" };
        var lr = new Option<double?>("--lr") { Description = "base learning rate (default: the optimizer's, e.g. adam 0.001, sgd 0.01)" };
        var schedule = new Option<string>("--schedule") { Description = ScheduleParser.Syntax, DefaultValueFactory = _ => "constant" };
        var seed = new Option<int>("--seed") { Description = "seed of the split, initialization and shuffling", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "worker threads for kernels", DefaultValueFactory = _ => 1 };
        var backend = new Option<string>("--backend") { Description = "train-step engine: 'reference' (interpreter) or 'cpu' (the step graph optimized and compiled by Roslyn)", DefaultValueFactory = _ => "reference" };
        var validation = new Option<double>("--validation") { Description = "share of the training split held out for validation (0 = none)", DefaultValueFactory = _ => 0.1 };
        var patience = new Option<int?>("--patience") { Description = "early stopping: epochs without a lower validation loss before stopping (best weights restored)" };
        var save = new Option<string?>("--save") { Description = "write the trained inference graph (input x, output logits) as ONNX" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "save a checkpoint (weights, optimizer state, step, RNG) after every epoch" };
        var resume = new Option<string?>("--resume") { Description = "continue from a checkpoint written by --checkpoint with the same model, dataset and options" };
        var dataDir = new Option<string?>("--data-dir") { Description = "datasets folder (default: $ENGINE_DATASETS, else the repo's data/, else ../shared/datasets)" };
        var cmd = new Command("train", "Train a model on a dataset; one line per epoch, then test_accuracy=…")
        {
            model, dataset, epochs, batch, optimizer, lr, schedule, seed, threads, backend, validation, patience, save, checkpoint, resume, dataDir,
        };
        cmd.SetAction(p => Guard.Run(() => Execute(new Args(
            p.GetValue(model)!, p.GetValue(dataset)!, p.GetValue(epochs), p.GetValue(batch), p.GetValue(optimizer)!, p.GetValue(lr),
            p.GetValue(schedule)!, p.GetValue(seed), p.GetValue(threads), p.GetValue(backend)!, p.GetValue(validation), p.GetValue(patience),
            p.GetValue(save), p.GetValue(checkpoint), p.GetValue(resume), p.GetValue(dataDir)))));
        return cmd;
    }

    private sealed record Args(string Model, string Dataset, int Epochs, int Batch, string Optimizer, double? Lr, string Schedule, int Seed,
        int Threads, string Backend, double Validation, int? Patience, string? Save, string? Checkpoint, string? Resume, string? DataDir);

    private static int Execute(Args a)
    {
        if (a.Epochs < 0) throw new EngineException($"--epochs must be ≥ 0, got {a.Epochs}");
        if (a.Batch < 1) throw new EngineException($"--batch must be ≥ 1, got {a.Batch}");
        if (a.Threads < 1) throw new EngineException($"--threads must be ≥ 1, got {a.Threads}");
        if (a.Lr is { } l && !(l > 0 && double.IsFinite(l))) throw new EngineException($"--lr must be a positive number, got {l}");
        if (!(a.Validation >= 0 && a.Validation < 1)) throw new EngineException($"--validation must be in [0, 1), got {a.Validation}");
        if (a.Patience is < 1) throw new EngineException($"--patience must be ≥ 1, got {a.Patience}");
        if (a.Patience is not null && a.Validation == 0) throw new EngineException("--patience needs a validation split (--validation > 0)");
        var backend = a.Backend switch
        {
            "reference" => StepBackend.Reference,
            "cpu" => StepBackend.Compiled,
            _ => throw new EngineException($"--backend '{a.Backend}' is not available (choose: reference, cpu)"),
        };
        var definition = ModelRegistry.Create(a.Model);
        var config = new TrainConfig
        {
            Epochs = a.Epochs,
            BatchSize = a.Batch,
            Optimizer = Optimizer.Create(a.Optimizer),
            Lr = a.Lr,
            Schedule = ScheduleParser.Parse(a.Schedule),
            Seed = a.Seed,
            Threads = a.Threads,
            Backend = backend,
            Patience = a.Patience,
        };
        var parts = DatasetRegistry.LoadParts(a.Dataset, Evaluation.LabelledData.Root(a.DataDir));
        var data = parts.Train;
        var splitRng = new Rng(unchecked((ulong)a.Seed));
        // The official test split when the dataset has one (Fashion-MNIST's t10k), else a seeded 20%.
        var (test, trainAll) = parts.Test is { } official ? (official, data) : data.Split(0.2, splitRng);
        var (valid, train) = a.Validation > 0 ? trainAll.Split(a.Validation, splitRng) : (null, trainAll);

        using var trainer = new Trainer(definition, data.SampleShape, data.Classes, config);
        if (a.Resume is not null)
        {
            Checkpoint.Load(trainer, a.Resume);
            Console.WriteLine($"resumed from {a.Resume} after epoch {trainer.Epoch} (step {trainer.Step.State.Step})");
        }
        Console.WriteLine($"{a.Model} on {a.Dataset}: {train.Count} train / {valid?.Count ?? 0} validation / {test.Count} test samples, " +
                          $"{config.Optimizer.Name} lr={F(config.BaseLr)} schedule={config.Schedule.Describe()} batch={a.Batch} seed={a.Seed} backend={a.Backend}");
        SpectreFitProgress.Run(progress => ProgressFit.Fit(trainer, train, valid, progress, _ =>
        {
            if (a.Checkpoint is not null) Checkpoint.Save(trainer, a.Checkpoint);
        }), (r, _) => EpochLine(r, config.Epochs));
        if (trainer.Stopped) Console.WriteLine($"early stop after epoch {trainer.Epoch}; restored the weights of epoch {trainer.BestEpoch}");
        if (a.Save is not null)
        {
            OnnxExporter.Save(trainer.InferenceGraph(Dim.Sym("N")), a.Save);
            Console.WriteLine($"saved {a.Save}");
        }
        var metrics = trainer.Evaluate(test);
        Console.WriteLine($"test_precision={F(metrics.MacroPrecision)} test_recall={F(metrics.MacroRecall)} test_f1={F(metrics.MacroF1)}");
        Console.WriteLine($"test_accuracy={metrics.Accuracy.ToString("0.0000", CultureInfo.InvariantCulture)}");
        return ExitCodes.Ok;
    }

    private static string EpochLine(EpochReport r, int epochs)
    {
        var line = $"epoch {r.Epoch,3}/{epochs}  loss={F(r.TrainLoss)}";
        if (r.Valid is { } m) line += $"  val_loss={F(r.ValidLoss!.Value)}  val_accuracy={F(m.Accuracy)}  val_f1={F(m.MacroF1)}";
        return line + $"  lr={r.Lr.ToString("G4", CultureInfo.InvariantCulture)}  {r.Seconds.ToString("0.00", CultureInfo.InvariantCulture)}s";
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
