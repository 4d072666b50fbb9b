using System.Text;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Saves and restores everything a <see cref="Trainer"/> needs to continue exactly where it stopped:
/// parameters, optimizer slots and buffers, the update count, completed epochs, the shuffling
/// generator's state and the early-stopping bookkeeping (best loss, epoch and weights).
/// Binary, little-endian: "ENGCKPT1", header fields, then named tensors (name, element type, shape,
/// raw bytes). A checkpoint is tied to its model and optimizer: loading it into another fails.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = "ENGCKPT1"u8.ToArray();

    public static void Save(Trainer trainer, string path)
    {
        var tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(trainer.Model.Name);
            w.Write(trainer.Config.Optimizer.Name);
            w.Write(trainer.Step.State.Step);
            w.Write(trainer.Epoch);
            w.Write(trainer.ShuffleRng.State);
            w.Write(trainer.BestValidLoss);
            w.Write(trainer.BestEpoch);
            w.Write(trainer.EpochsWithoutImprovement);
            w.Write(trainer.Stopped);
            var entries = trainer.Step.State.Tensors.Select(kv => ("state/" + kv.Key, kv.Value))
                .Concat((trainer.BestWeights ?? new()).Select(kv => ("best/" + kv.Key, kv.Value))).ToArray();
            w.Write(entries.Length);
            foreach (var (name, t) in entries)
            {
                w.Write(name);
                w.Write((int)t.Type);
                w.Write(t.Rank);
                foreach (int d in t.Shape) w.Write(d);
                var raw = t.ToRawBytes();
                w.Write(raw.Length);
                w.Write(raw);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Restores a checkpoint into a trainer built with the same model, data shape and config.</summary>
    public static void Load(Trainer trainer, string path)
    {
        if (!File.Exists(path)) throw new EngineException($"checkpoint {path} not found");
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw Bad(path, "not an Engine checkpoint");
            string model = r.ReadString(), optimizer = r.ReadString();
            if (model != trainer.Model.Name) throw Bad(path, $"it is for model '{model}', not '{trainer.Model.Name}'");
            if (optimizer != trainer.Config.Optimizer.Name) throw Bad(path, $"it is for optimizer '{optimizer}', not '{trainer.Config.Optimizer.Name}'");
            long step = r.ReadInt64();
            int epoch = r.ReadInt32();
            ulong rng = r.ReadUInt64();
            double bestLoss = r.ReadDouble();
            int bestEpoch = r.ReadInt32(), bad = r.ReadInt32();
            bool stopped = r.ReadBoolean();
            int count = r.ReadInt32();
            if (count < 0 || count > 1_000_000) throw Bad(path, $"implausible tensor count {count}");
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var best = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                var type = (DataType)r.ReadInt32();
                int rank = r.ReadInt32();
                if (rank is < 0 or > 16) throw Bad(path, $"tensor '{name}' has rank {rank}");
                var shape = new int[rank];
                for (int k = 0; k < rank; k++) shape[k] = r.ReadInt32();
                int len = r.ReadInt32();
                var t = Tensor.FromRawBytes(type, shape, r.ReadBytes(len));
                if (name.StartsWith("state/", StringComparison.Ordinal)) state[name[6..]] = t;
                else if (name.StartsWith("best/", StringComparison.Ordinal)) best[name[5..]] = t;
                else throw Bad(path, $"unexpected entry '{name}'");
            }
            var current = trainer.Step.State.Tensors;
            foreach (var (name, t) in current)
            {
                if (!state.TryGetValue(name, out var saved)) throw Bad(path, $"state '{name}' is missing");
                if (saved.Type != t.Type || !saved.Shape.AsSpan().SequenceEqual(t.Shape))
                    throw Bad(path, $"state '{name}' is {saved} but the model has {t}");
            }
            if (state.Count != current.Count) throw Bad(path, $"it holds {state.Count} state tensors, the model {current.Count}");
            trainer.Step.State = new TrainState(state, step);
            trainer.Epoch = epoch;
            trainer.ShuffleRng.State = rng;
            trainer.BestValidLoss = bestLoss;
            trainer.BestEpoch = bestEpoch;
            trainer.EpochsWithoutImprovement = bad;
            trainer.Stopped = stopped;
            trainer.BestWeights = best.Count > 0 ? best : null;
        }
        catch (EndOfStreamException)
        {
            throw Bad(path, "truncated");
        }
    }

    private static EngineException Bad(string path, string why) => new($"checkpoint {path}: {why}");
}
