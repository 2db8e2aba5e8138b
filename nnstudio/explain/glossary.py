"""The glossary: the words of neural-network training, each said in plain sentences.

Qt-free, so the window's glossary panel, captions and any printed worksheet share one text.
Each :class:`Entry` has a key (used in ``glossary:KEY`` links), a title, 2-5 sentences and the
keys of related entries. Sentences avoid words that are not explained here or in everyday
language; a test checks that every "see also" key exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from nnstudio.errors import NNStudioError

#: The scheme of a link into the glossary: ``glossary:learning_rate``.
LINK_SCHEME = "glossary"


@dataclass(frozen=True)
class Entry:
    """One word of the glossary.

    Attributes
    ----------
    key : str
        Short identifier, lower case with underscores (``"learning_rate"``).
    title : str
        What the entry is called on screen (``"Learning rate"``).
    text : str
        2-5 plain sentences.
    see_also : tuple of str
        Keys of related entries.
    also_called : tuple of str
        Other names a person may search for (``"backpropagation"``).
    """

    key: str
    title: str
    text: str
    see_also: tuple[str, ...] = ()
    also_called: tuple[str, ...] = ()


def _e(key: str, title: str, text: str, see_also: str = "", also_called: str = "") -> Entry:
    return Entry(key, title, " ".join(text.split()), tuple(see_also.split()),
                 tuple(a.strip() for a in also_called.split(",") if a.strip()))


_ENTRIES = [
    _e("sample", "Sample", """
       One example the network learns from: one row of the data table, or one dot in the plot.
       It has the values of its features (the inputs) and the right answer (its class, or the
       number to predict).""", "feature validation_data", "row, example, data point"),
    _e("feature", "Feature", """
       One measured value of a sample, such as a flower's petal length: one column of the data.
       Each feature goes into one input neuron of the network.""", "sample standardisation",
       "input, column"),
    _e("neuron", "Neuron and layer", """
       A neuron multiplies each of its inputs by a weight, adds them up, adds its bias and
       passes the sum through its activation function. A layer is a column of neurons that all
       look at the same inputs; its outputs are the next layer's inputs.""",
       "weight bias activation forward_pass", "layer, unit, dense layer"),
    _e("weight", "Weight", """
       A number on a connection between two neurons: how strongly, and in which direction, one
       neuron's output pushes the next one. A positive weight pushes up, a negative one pushes
       down. Training is nothing but changing the weights (and biases) a little at a time.""",
       "bias gradient neuron l2_penalty", "parameter, connection"),
    _e("bias", "Bias", """
       A number each neuron adds to its weighted sum before the activation. It lets the neuron
       answer something other than zero when all its inputs are zero, like the starting value of
       a sum. Training changes biases exactly like weights.""", "weight neuron"),
    _e("activation", "Activation function", """
       What a neuron does with its weighted sum before passing it on. Without it, many layers
       would add up to no more than one straight-line rule; with it, the network can bend its
       answer to fit curved shapes.""", "relu sigmoid softmax identity neuron",
       "activation, nonlinearity"),
    _e("relu", "ReLU", """
       An activation that keeps a positive sum as it is and turns a negative sum into 0. It is
       quick and works well in hidden layers. A neuron whose sum is negative for every sample
       always answers 0 and stops learning: a "dead" ReLU.""", "activation sigmoid",
       "rectified linear unit"),
    _e("sigmoid", "Sigmoid", """
       An activation that squeezes any sum into a number between 0 and 1: big negative sums give
       nearly 0, big positive sums nearly 1, a sum of 0 gives 0.5. In the output layer of a
       two-class network it reads as the chance of the second class.""",
       "activation softmax cross_entropy", "logistic"),
    _e("softmax", "Softmax", """
       The activation of an output layer that chooses among several classes. It turns the
       neurons' sums into chances between 0 and 1 that add up to 1: each sum is raised as a power
       of e, then divided by the total. The class with the highest chance is the answer.""",
       "sigmoid cross_entropy activation"),
    _e("identity", "Identity (linear)", """
       An activation that passes the sum on unchanged. It is used in the output layer when the
       network predicts a number, such as a price, which may be any size and sign.""",
       "activation mean_squared_error", "linear, none"),
    _e("forward_pass", "Forward pass", """
       Working out the network's answer for a sample: the feature values go into the input
       neurons, and layer by layer each neuron computes its weighted sum plus bias and its
       activation, until the output layer gives the answer. Nothing is learned in this
       step.""", "backward_pass neuron loss", "forward propagation, prediction"),
    _e("loss", "Loss", """
       One number that says how wrong the network's answer is; 0 means perfect. Training tries
       to make the average loss over the training samples as small as possible. The loss curve
       shows it falling epoch after epoch.""",
       "cross_entropy mean_squared_error gradient overfitting", "error, cost"),
    _e("cross_entropy", "Cross-entropy", """
       The loss for choosing classes: minus the logarithm of the chance the network gave to the
       right class. A chance of 1 costs 0, a chance of 0.5 costs 0.69, a chance of 0.01 costs
       4.6, so a confident wrong answer is punished hard.""", "loss softmax sigmoid",
       "log loss"),
    _e("mean_squared_error", "Mean squared error", """
       The loss for predicting numbers: the difference between the network's answer and the
       true value, squared, averaged over the samples. Squaring makes every difference count as
       positive and big misses count much more than small ones.""", "loss identity",
       "MSE, squared error"),
    _e("gradient", "Gradient", """
       For each weight, how much the loss would change if that weight grew a tiny bit. Its sign
       says which way is uphill, so training moves each weight the other way. The backward pass
       computes all gradients at once.""", "backward_pass learning_rate optimizer",
       "derivative, slope"),
    _e("backward_pass", "Backward pass (backpropagation)", """
       Working out every weight's gradient, starting at the loss and going back through the
       layers. Each layer takes the gradient of what it put out and, by the chain rule (multiply
       the rates of change along the way), turns it into the gradients of its weights and of its
       inputs, which the layer before it needs.""", "forward_pass gradient optimizer",
       "backpropagation, backprop, chain rule"),
    _e("learning_rate", "Learning rate", """
       How big a step each update takes: every weight moves by the learning rate times its
       gradient. Too small and learning crawls; too large and the loss jumps around or explodes
       to "not a number". 0.01 is a good start for Adam, 0.1 for SGD.""",
       "gradient optimizer batch", "step size"),
    _e("epoch", "Epoch", """
       One pass through all training samples. After each epoch the window records the training
       and validation loss, so the curves have one point per epoch.""",
       "batch early_stopping", "pass"),
    _e("batch", "Batch", """
       The few samples the network looks at before each update of the weights; their gradients
       are averaged. A batch of 1 updates after every sample (noisy but cheap), a batch of 32
       smooths the steps. An epoch of 320 samples with batches of 32 makes 10 updates.""",
       "epoch sgd learning_rate", "batch size, mini-batch"),
    _e("optimizer", "Optimizer", """
       The rule that turns the gradients into changes of the weights. The simplest, SGD, moves
       each weight against its gradient by the learning rate; others, such as Adam, remember
       past steps to move more steadily.""", "sgd adam learning_rate gradient"),
    _e("sgd", "SGD (stochastic gradient descent)", """
       The basic optimizer: new weight = old weight - learning rate x gradient, after every
       batch. "Stochastic" means each step uses only a batch of samples, not all of them, so the
       path is a little random but much cheaper.""", "optimizer adam batch",
       "gradient descent, stochastic gradient descent"),
    _e("adam", "Adam", """
       An optimizer that keeps, for every weight, a running average of its recent gradients and
       of their sizes. It moves each weight by about the learning rate in the direction the
       average points, smaller where the gradient keeps changing sign. It usually learns faster
       than plain SGD without tuning.""", "optimizer sgd learning_rate"),
    _e("validation_data", "Validation data", """
       Samples set aside that the network never learns from. Its loss on them shows whether it
       also works on new samples, not just on the ones it has seen. The test part is kept apart
       as well and looked at only once, at the end.""", "overfitting early_stopping sample",
       "validation set, test data, held-out data"),
    _e("overfitting", "Overfitting", """
       The network memorises its training samples instead of learning the rule behind them:
       the training loss keeps falling while the validation loss rises. More data, fewer
       neurons, dropout, an L2 penalty or early stopping help.""",
       "validation_data early_stopping dropout l2_penalty", "memorising, over-fitting"),
    _e("early_stopping", "Early stopping", """
       Ending training when the validation loss has not improved for a number of epochs, and
       going back to the weights of its best epoch. It saves time and keeps the network from
       overfitting.""", "overfitting validation_data epoch", "restore best"),
    _e("dropout", "Dropout", """
       During training, a dropout layer switches off a random share of the neurons before it at
       every step, so the network cannot rely on any single one. When it answers (validation,
       test, use) every neuron is on. It helps against overfitting.""",
       "overfitting l2_penalty neuron"),
    _e("l2_penalty", "L2 penalty", """
       An extra cost for big weights, added to the loss: the L2 value times the sum of the
       squared weights. It gently pulls every weight towards 0 at each update, so the network
       cannot lean on a few huge weights. 0 switches it off.""", "overfitting weight dropout",
       "weight decay, L2 regularisation"),
    _e("standardisation", "Standardisation", """
       Before training, each feature is shifted and scaled so that over the training samples
       its average is 0 and its typical spread is 1. Features measured in big units (a salary)
       then do not drown out those in small units (an age), and training starts on a fair
       footing. The table and the plot still show the data's own units.""",
       "feature sample", "standardization, scaling, normalisation"),
]

#: Key -> entry, in reading order.
ENTRIES: dict[str, Entry] = {e.key: e for e in _ENTRIES}


def entry(key: str) -> Entry:
    """The entry for ``key``; raises NNStudioError naming the key when there is none."""
    try:
        return ENTRIES[key]
    except KeyError:
        raise NNStudioError(f"the glossary has no entry {key!r}; it has: "
                            f"{', '.join(ENTRIES)}") from None


def find(word: str) -> Entry | None:
    """The entry whose key, title or other name is ``word`` (any case), or None."""
    w = " ".join(word.lower().replace("_", " ").split())
    for e in ENTRIES.values():
        names = (e.key.replace("_", " "), e.title.lower(), *(a.lower() for a in e.also_called))
        if w in names:
            return e
    return None


def link(key: str) -> str:
    """The address of entry ``key`` (``"glossary:learning_rate"``); checks the key exists."""
    return f"{LINK_SCHEME}:{entry(key).key}"


def key_of_link(href: str) -> str | None:
    """``"glossary:epoch"`` -> ``"epoch"``; None for any other address or an unknown key."""
    scheme, _, key = href.partition(":")
    return key if scheme == LINK_SCHEME and key in ENTRIES else None


def as_text(key: str) -> str:
    """Entry ``key`` as plain text (title, sentences, see also), for a worksheet or a terminal."""
    e = entry(key)
    lines = [e.title, e.text]
    if e.see_also:
        lines.append("See also: " + ", ".join(ENTRIES[k].title for k in e.see_also))
    return "\n".join(lines)
