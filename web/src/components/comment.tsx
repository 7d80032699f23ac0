import { Text, Textarea } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { FormModal } from './forms.tsx';

interface Ask {
  title: string;
  submitLabel?: string;
  summary?: ReactNode;
  // Sends the change with the comment ('' when none); a failure keeps the dialog open and shows why.
  save: (comment: string) => Promise<void>;
}

// Every change to targeting asks for an optional comment, kept in the audit entry (FeatBit's `comment`).
// `ask(…)` opens the dialog; render `dialog` once.
export function useCommentPrompt() {
  const [asked, setAsked] = useState<Ask | null>(null);
  const [opened, setOpened] = useState(false);
  const [comment, setComment] = useState('');
  const ask = (a: Ask) => {
    setAsked(a);
    setComment('');
    setOpened(true);
  };
  const close = () => setOpened(false);
  const dialog = (
    <FormModal
      opened={opened}
      onClose={close}
      title={asked?.title ?? ''}
      submitLabel={asked?.submitLabel ?? 'Save'}
      onSubmit={async () => {
        await asked?.save(comment.trim());
        close();
      }}
    >
      {asked?.summary && (
        <Text size="sm" component="div">
          {asked.summary}
        </Text>
      )}
      <Textarea
        label="Comment"
        description="Optional. Kept with the change in the audit log."
        placeholder="Why this change?"
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        maxLength={1024}
        autosize
        minRows={2}
        data-autofocus
      />
    </FormModal>
  );
  return { ask, dialog };
}
