using Interrogate.Data;
using Interrogate.Models.Recurrent;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;

namespace Interrogate.Tests.Models.Recurrent;

public class RecurrentModelTests
{
    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void Classifier_HookHiddenHoldsEveryStepAndHeadReadsTheLast(string cell)
    {
        var config = new RecurrentClassifierConfig { Cell = cell, InputSize = 3, SequenceLength = 5, HiddenSize = 4, NumClasses = 2 };
        var model = new RecurrentClassifier(config, seed: 1);
        using var hooks = new HookScope().Cache("rnn.hook_hidden");
        var logits = model.Forward(new TensorRandom(2).Normal([2, 15]));
        var hidden = hooks.Cached["rnn.hook_hidden"];
        Assert.Equal([2, 5, 4], hidden.Shape);
        var last = hidden.Slice(1, 4, 1).Reshape(2, 4);
        Assert.Equal(model.Output.Forward(last).ToArray(), logits.ToArray());
        // Step 0 depends on the first row only: the model reads in order.
        var x = new TensorRandom(2).Normal([2, 15]);
        x[0, 14] += 1f;
        using var again = new HookScope().Cache("rnn.hook_hidden");
        model.Forward(x);
        Assert.Equal(hidden.Slice(1, 0, 1).ToArray(), again.Cached["rnn.hook_hidden"].Slice(1, 0, 1).ToArray());
        Assert.NotEqual(hidden.Slice(1, 4, 1).ToArray(), again.Cached["rnn.hook_hidden"].Slice(1, 4, 1).ToArray());
    }

    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void Classifier_TrainedAFewSteps_LossFalls(string cell)
    {
        // Label = whether the bright pixel comes in the first or second half of the sequence:
        // the answer must be carried through time to the last step.
        var rng = new TensorRandom(3);
        int n = 64, steps = 8, width = 2;
        var pixels = new float[n * steps * width];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            int t = labels[i] * steps / 2 + rng.NextInt(steps / 2);
            pixels[(i * steps + t) * width + rng.NextInt(width)] = 1f;
        }
        var data = new LabelledImages(pixels, labels, width, steps, 2);
        var model = new RecurrentClassifier(new RecurrentClassifierConfig
        { Cell = cell, InputSize = width, SequenceLength = steps, HiddenSize = 16, NumClasses = 2 }, seed: 4);
        double before = ClassifierTraining.Evaluate(model, data).Loss;
        ClassifierTraining.Train(model, data, new ClassifierTrainingOptions { Epochs = 20, BatchSize = 16, LearningRate = 1e-2f, CosineSchedule = false });
        double after = ClassifierTraining.Evaluate(model, data).Loss;
        Assert.True(after < before * 0.5, $"loss {before} → {after}");
    }

    [Theory]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void LanguageModel_RepeatingText_LearnsNextToken(string cell)
    {
        var model = new RecurrentLanguageModel(new RecurrentLanguageModelConfig
        { Cell = cell, VocabSize = 5, EmbeddingSize = 8, HiddenSize = 16 }, seed: 5);
        int batch = 2, seq = 9;
        int[] text = [.. Enumerable.Range(0, batch * (seq + 1)).Select(i => i * 3 % 5)];
        var inputs = new int[batch * seq];
        var targets = new int[batch * seq];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < seq; t++)
            {
                inputs[b * seq + t] = text[b * (seq + 1) + t];
                targets[b * seq + t] = text[b * (seq + 1) + t + 1];
            }
        Assert.Equal([batch, seq, 5], model.Forward(inputs, batch, seq).Shape);
        var optimizer = new AdamW(model.NamedParameters(), 3e-2f, weightDecay: 0f);
        float first = 0f, last = 0f;
        for (int step = 0; step < 40; step++)
        {
            using var tape = new GradientTape();
            var loss = model.Forward(inputs, batch, seq).CrossEntropy(targets);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            tape.Backward(loss);
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        Assert.True(last < 0.2f * first, $"loss {first} → {last}");
    }

    [Fact]
    public void RecurrentLayer_UnknownCell_InputExceptionListsKnown()
    {
        var e = Assert.Throws<InputException>(() => new RecurrentClassifier(new RecurrentClassifierConfig { Cell = "rnn" }, 1));
        Assert.Contains("gru, lstm", e.Message);
    }
}
